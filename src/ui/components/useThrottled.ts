import { useEffect, useRef, useState } from 'react';

/**
 * `value`, passed on at most once per `ms` (the latest one wins); `ms` ≤ 0 passes it on at once. A figure
 * redrawn from a training run's growing logs uses it so its redraw is a task of its own, every few seconds,
 * instead of part of every twice-a-second flush (issue 20, item 9).
 */
export function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    if (ms <= 0 || Object.is(shown, value)) return;
    const t = setTimeout(
      () => {
        last.current = performance.now();
        setShown(value);
      },
      Math.max(0, last.current + ms - performance.now()),
    );
    return () => clearTimeout(t);
  }, [value, ms, shown]);
  return ms <= 0 ? value : shown;
}
