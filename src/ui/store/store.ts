import { create } from 'zustand';
import { createEnvironmentSlice, type EnvironmentSlice } from './environmentSlice';

/** The one store of the app, built from slices; it holds serialisable facts only. */
export type AppState = EnvironmentSlice;

export const useAppStore = create<AppState>()((...a) => ({
  ...createEnvironmentSlice(...a),
}));
