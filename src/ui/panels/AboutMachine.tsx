import { useAppStore } from '../store/store';

/** "About this machine": what the compute worker found, and the matmul check it ran. */
export function AboutMachine() {
  const compute = useAppStore((s) => s.compute);
  return (
    <section className="cell" aria-labelledby="about-title">
      <h2 id="about-title">About this machine</h2>
      {compute.state === 'starting' && <p>Starting the compute worker…</p>}
      {compute.state === 'failed' && <p className="error">{compute.message}</p>}
      {compute.state === 'ready' && (
        <table className="facts" data-testid="about-machine">
          <tbody>
            <tr>
              <th>backend</th>
              <td>{compute.info.backend}</td>
            </tr>
            <tr>
              <th>adapter</th>
              <td>
                {compute.info.adapter.vendor} / {compute.info.adapter.architecture} {compute.info.adapter.description}
                {compute.info.adapter.isFallbackAdapter ? ' (software fallback)' : ''}
              </td>
            </tr>
            <tr>
              <th>tried</th>
              <td>{compute.info.attempts.map((a) => (a.ok ? `${a.backend} ✓` : `${a.backend} ✗ (${a.error})`)).join(' → ')}</td>
            </tr>
            {compute.info.wasmProducts && (
              <tr>
                <th>wasm products</th>
                <td data-testid="wasm-products">{compute.info.wasmProducts}</td>
              </tr>
            )}
            <tr>
              <th>matmul {compute.smoke.size}³ check</th>
              <td data-testid="smoke">
                {compute.smoke.ok ? 'ok' : 'WRONG'} · max |error| {compute.smoke.maxAbsError.toExponential(2)} vs float64
              </td>
            </tr>
            <tr>
              <th>matmul speed</th>
              <td>
                {compute.smoke.gflops.toFixed(2)} GFLOP/s (median {compute.smoke.medianMs.toFixed(1)} ms)
              </td>
            </tr>
            <tr>
              <th>TensorFlow.js</th>
              <td>{compute.info.tfjsVersion}</td>
            </tr>
          </tbody>
        </table>
      )}
    </section>
  );
}
