import { useEffect, useRef, useState } from 'react';
import { queueRedraw } from './redrawQueue';

/**
 * `value`, passed on at most once per `ms` (the latest one wins), each time in a frame of its own
 * ({@link queueRedraw}); `ms` ≤ 0 passes it on at the next free frame. A figure redrawn from a training
 * run's growing logs uses it so its redraw is a task of its own, every few seconds, instead of part of
 * every twice-a-second flush, and its layout is not the same frame's as the other figures' (issue 20,
 * item 9: when a run ends every figure redraws at once, with the results of its last evaluation).
 */
export function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  const latest = useRef(value);
  /** the queued redraw's cancel function; the redraw shows the latest value when its frame comes */
  const queued = useRef<(() => void) | null>(null);
  useEffect(() => {
    latest.current = value;
    // a queued redraw is not re-queued when the value changes again: under steady updates it would never run
    if (Object.is(shown, value) || queued.current) return;
    const t = setTimeout(
      () => {
        queued.current = queueRedraw(() => {
          queued.current = null;
          last.current = performance.now();
          setShown(() => latest.current);
        });
      },
      ms <= 0 ? 0 : Math.max(0, last.current + ms - performance.now()),
    );
    return () => clearTimeout(t);
  }, [value, ms, shown]);
  useEffect(
    () => () => {
      queued.current?.();
      queued.current = null;
    },
    [],
  );
  return shown;
}

/** `value`, passed on at the next free frame ({@link queueRedraw}): for a figure whose change may come with others'. */
export function useNextFreeFrame<T>(value: T): T {
  return useThrottled(value, 0);
}
