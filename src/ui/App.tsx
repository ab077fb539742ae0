import { Fragment, type ReactElement } from 'react';
import type { Cell } from '../core/experiment/notebook';
import { Header } from './Header';
import { NotebookToolbar } from './panels/NotebookToolbar';
import { AboutMachine } from './panels/AboutMachine';
import { NoteCell } from './panels/NoteCell';
import { DataCell } from './panels/DataCell';
import { ModelCell } from './panels/ModelCell';
import { RunsCell } from './panels/RunsCell';
import { ResultsCell } from './panels/ResultsCell';
import { StudyCell } from './panels/StudyCell';
import { useAppStore } from './store/store';
import { addNote } from './actions/notebook';

type CellKind = Cell['kind'];
interface CellViewProps<K extends CellKind> {
  cell: Extract<Cell, { kind: K }>;
  index: number;
  count: number;
}

/**
 * The panel of each cell kind; the mapped type makes a new kind in `CellSchema` a type error here until it
 * has one. Only a note shows its own cell: the fixed cells read the store.
 */
const CELL_VIEWS: { [K in CellKind]: (props: CellViewProps<K>) => ReactElement | null } = {
  note: NoteCell,
  data: DataCell,
  model: ModelCell,
  runs: RunsCell,
  results: ResultsCell,
  about: AboutMachine,
  study: StudyCell,
};

function CellView<K extends CellKind>(props: CellViewProps<K>) {
  const View: (props: CellViewProps<K>) => ReactElement | null = CELL_VIEWS[props.cell.kind];
  return <View {...props} />;
}

function InsertNote({ index }: { index: number }) {
  return (
    <div className="insert-note">
      <button type="button" data-testid={`add-note-${index}`} onClick={() => addNote(index)} title="add a markdown note here">
        + note
      </button>
    </div>
  );
}

export function App() {
  const cells = useAppStore((s) => s.cells);
  return (
    <>
      <Header />
      <main className="notebook">
        <NotebookToolbar />
        {cells.map((cell, i) => (
          <Fragment key={cell.id}>
            <InsertNote index={i} />
            <CellView cell={cell} index={i} count={cells.length} />
          </Fragment>
        ))}
        <InsertNote index={cells.length} />
      </main>
    </>
  );
}
