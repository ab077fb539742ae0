import { Fragment } from 'react';
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

function CellView({ cell, index, count }: { cell: Cell; index: number; count: number }) {
  switch (cell.kind) {
    case 'note':
      return <NoteCell cell={cell} index={index} count={count} />;
    case 'data':
      return <DataCell />;
    case 'model':
      return <ModelCell />;
    case 'runs':
      return <RunsCell />;
    case 'results':
      return <ResultsCell />;
    case 'about':
      return <AboutMachine />;
    case 'study':
      return <StudyCell />;
  }
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
