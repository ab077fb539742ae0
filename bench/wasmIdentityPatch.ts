/**
 * A bench-only PROTOTYPE of the second fix proposed in RESULTS.md ("Where the time goes"): while
 * `tf.variableGrads` records, tfjs-core saves every tensor a gradient needs through
 * `ENGINE.clone` → the `Identity` kernel (engine.js `saveTensorsForBackwardMode`). The cpu backend's
 * Identity shares the data (`incRef`), but tfjs-backend-wasm 4.22's copies it into a new allocation,
 * so on wasm every saved activation exists twice and is memcpy'd: about 1,000 copies per demo step,
 * and a peak of live tensors far above the activations themselves.
 *
 * This wrapper re-registers the wasm `Identity` kernel to share the data as the cpu backend does
 * (TF.js tensors are immutable and `Variable.assign` swaps the data id, so sharing is safe; wasm's
 * own Reshape kernel already shares the same way). Installed only when the bench asks for it.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * @returns a function that restores the original kernel
 * @throws Error when the active backend is not wasm
 */
export function installWasmSharedIdentity(): () => void {
  if (tf.getBackend() !== 'wasm') throw new Error(`the share-identity patch is for the wasm backend (active: ${tf.getBackend()})`);
  const original = tf.getKernel('Identity', 'wasm');
  if (!original) throw new Error('the wasm Identity kernel is not registered');
  const shared: tf.KernelFunc = ({ inputs, backend }) => {
    const x = (inputs as { x: tf.TensorInfo }).x;
    if (x.dtype === 'string') return original.kernelFunc({ inputs, backend, attrs: {} });
    (backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ kernelName: 'Identity', backendName: 'wasm', kernelFunc: shared });
  return () => {
    tf.unregisterKernel('Identity', 'wasm');
    tf.registerKernel({ ...original, setupFunc: undefined });
  };
}
