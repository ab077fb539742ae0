import { useCallback, type MouseEvent } from 'react';

interface Props {
  /** a standalone SVG document from a `core/figures` builder; every label in it is escaped by the builder */
  svg: string;
  testId?: string;
  /** clicked element carrying `data-row`/`data-col` (heatmap cells) */
  onCell?: (row: string, col: string) => void;
  /** clicked element carrying `data-step` (batch strip) */
  onStep?: (step: number) => void;
  /** hovered element carrying `data-step`, or null when the pointer leaves the strip */
  onHoverStep?: (step: number | null) => void;
  className?: string;
}

/**
 * Shows a builder's SVG exactly as it is exported (so the exported figure is what the page shows) and
 * turns clicks on its data elements into callbacks.
 */
export function SvgFigure({ svg, testId, onCell, onStep, onHoverStep, className }: Props) {
  const onClick = useCallback(
    (e: MouseEvent<HTMLDivElement>) => {
      const el = (e.target as Element).closest('[data-row][data-col], [data-step]');
      if (!el) return;
      const step = el.getAttribute('data-step');
      if (step !== null) onStep?.(Number(step));
      else onCell?.(el.getAttribute('data-row')!, el.getAttribute('data-col')!);
    },
    [onCell, onStep],
  );
  const onMove = useCallback(
    (e: MouseEvent<HTMLDivElement>) => {
      if (!onHoverStep) return;
      const step = (e.target as Element).closest('[data-step]')?.getAttribute('data-step');
      onHoverStep(step == null ? null : Number(step));
    },
    [onHoverStep],
  );
  return (
    <div
      className={`svg-figure${onCell || onStep ? ' clickable' : ''}${className ? ` ${className}` : ''}`}
      data-testid={testId}
      onClick={onClick}
      onMouseMove={onHoverStep ? onMove : undefined}
      onMouseLeave={onHoverStep ? () => onHoverStep(null) : undefined}
      dangerouslySetInnerHTML={{ __html: svg }}
    />
  );
}
