import { useState } from 'react';
import type { NoteCell as NoteCellType } from '../../core/experiment/notebook';
import { Markdown } from '../components/Markdown';
import { deleteNote, moveNote, updateNote } from '../actions/notebook';

/** A markdown note: rendered, or edited in place; it can move between any two cells. */
export function NoteCell({ cell, index, count }: { cell: NoteCellType; index: number; count: number }) {
  const [editing, setEditing] = useState(cell.markdown === '');
  return (
    <section className="cell note" data-testid="note-cell" data-note-id={cell.id}>
      <div className="cell-tools">
        <button type="button" onClick={() => setEditing(!editing)} data-testid="note-edit">
          {editing ? 'done' : 'edit'}
        </button>
        <button type="button" disabled={index === 0} onClick={() => moveNote(cell.id, -1)} aria-label="move note up">
          ↑
        </button>
        <button type="button" disabled={index === count - 1} onClick={() => moveNote(cell.id, 1)} aria-label="move note down">
          ↓
        </button>
        <button type="button" onClick={() => deleteNote(cell.id)} aria-label="delete note" data-testid="note-delete">
          delete
        </button>
      </div>
      {editing ? (
        <textarea
          aria-label="note (markdown)"
          data-testid="note-editor"
          value={cell.markdown}
          rows={Math.max(4, cell.markdown.split('\n').length + 1)}
          onChange={(e) => updateNote(cell.id, e.target.value)}
          placeholder="Markdown: # heading, *emphasis*, lists, `code`, [links](https://…). Raw HTML is ignored."
        />
      ) : (
        <div onDoubleClick={() => setEditing(true)}>
          <Markdown source={cell.markdown || '*empty note — double-click to edit*'} />
        </div>
      )}
    </section>
  );
}
