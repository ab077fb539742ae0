import { useEffect, useState } from 'react';
import { DEFAULT_COLOR_RANGE, type ColorRangeSetting } from '../../core/figures/colorRange';
import { setFigureSettings } from '../actions/figures';
import { useAppStore } from '../store/store';

/**
 * A number typed as mAP × 100. It keeps its own text while being edited, so an intermediate keystroke
 * ("7" on the way to "70") is not refused; the setting changes only once the whole range is valid.
 */
function X100Field({ label, value, onValid, valid }: { label: string; value: number; onValid: (v: number) => void; valid: (v: number) => boolean }) {
  const shown = String(Math.round(value * 1000) / 10);
  const [text, setText] = useState(shown);
  useEffect(() => setText(shown), [shown]);
  const v = Number(text) / 100;
  const ok = text.trim() !== '' && Number.isFinite(v) && valid(v);
  return (
    <input
      type="number"
      aria-label={label}
      aria-invalid={!ok || undefined}
      className={ok ? undefined : 'invalid'}
      step={1}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        const next = Number(e.target.value) / 100;
        if (e.target.value.trim() !== '' && Number.isFinite(next) && valid(next)) onValid(next);
      }}
      onBlur={() => setText(shown)}
    />
  );
}

/** The heatmaps' colour range (a saved figure setting): auto by default, or fixed bounds entered as mAP × 100. */
export function ColorRangeControl() {
  const range = useAppStore((s) => s.figures.colorRange ?? DEFAULT_COLOR_RANGE);
  const set = (patch: Partial<ColorRangeSetting>) => {
    const next = { ...range, ...patch };
    setFigureSettings({ colorRange: { mode: next.mode, map: [next.map[0], next.map[1]], diff: next.diff } });
  };
  return (
    <span className="color-range" data-testid="color-range">
      <label>
        colour range{' '}
        <select aria-label="colour range" value={range.mode} onChange={(e) => set({ mode: e.target.value === 'fixed' ? 'fixed' : 'auto' })}>
          <option value="auto">auto (values shown)</option>
          <option value="fixed">fixed</option>
        </select>
      </label>
      {range.mode === 'fixed' && (
        <>
          {' '}
          mAP×100 <X100Field label="fixed range low" value={range.map[0]} valid={(v) => v >= 0 && v < range.map[1]} onValid={(v) => set({ map: [v, range.map[1]] })} />
          {' to '}
          <X100Field label="fixed range high" value={range.map[1]} valid={(v) => v <= 1 && v > range.map[0]} onValid={(v) => set({ map: [range.map[0], v] })} />
          {' · Δ ±'}
          <X100Field label="fixed difference range" value={range.diff} valid={(v) => v > 0 && v <= 1} onValid={(v) => set({ diff: v })} />
        </>
      )}
    </span>
  );
}
