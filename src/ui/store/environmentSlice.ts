import type { StateCreator } from 'zustand';
import type { BackendPreference } from '../../core/model/backendNames';
import type { BackendReadyEvent } from '../../core/experiment/protocol';

export type ComputeStatus =
  | { state: 'starting'; preference: BackendPreference }
  | { state: 'ready'; preference: BackendPreference; info: BackendReadyEvent['info']; smoke: BackendReadyEvent['smoke'] }
  | { state: 'failed'; preference: BackendPreference; message: string };

export interface EnvironmentSlice {
  compute: ComputeStatus;
  setCompute: (status: ComputeStatus) => void;
}

export const createEnvironmentSlice: StateCreator<EnvironmentSlice, [], [], EnvironmentSlice> = (set) => ({
  compute: { state: 'starting', preference: 'auto' },
  setCompute: (compute) => set({ compute }),
});
