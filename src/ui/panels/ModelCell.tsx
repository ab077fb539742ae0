import { useState, type ChangeEvent, type DragEvent } from 'react';
import { BUILTIN_CONFIGS, BUILTIN_MODELS, DEFAULT_MODEL_BUILTIN, PRETRAINED_FOLDERS, PRETRAINED_MODELS, type BuiltinModel, type PretrainedModel } from '../../core/model/builtinConfigs';
import { useAppStore } from '../store/store';
import { chooseBuiltin, evaluateImportedCheckpoint, importCheckpoint } from '../actions/model';

/** Files of a drop, walking dropped folders (webkitGetAsEntry) so a checkpoint folder can be dragged in. */
async function droppedFiles(e: DragEvent): Promise<File[]> {
  const out: File[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      out.push(new File([file], file.name, { type: file.type }));
      Object.defineProperty(out[out.length - 1]!, 'webkitRelativePath', { value: `${prefix}${file.name}` });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  };
  const entries = [...e.dataTransfer.items].map((i) => i.webkitGetAsEntry()).filter((x): x is FileSystemEntry => x !== null);
  if (entries.length === 0) return [...e.dataTransfer.files];
  for (const entry of entries) await walk(entry, '');
  return out;
}

/** A file input's pick; the input is cleared so that picking the same files again (after a refusal) fires again. */
function pickCheckpoint(e: ChangeEvent<HTMLInputElement>): void {
  const files = [...(e.target.files ?? [])];
  e.target.value = '';
  void importCheckpoint(files);
}

function describe(name: BuiltinModel): string {
  const c = BUILTIN_CONFIGS[name];
  return `${c.numLayers} layers, H ${c.hiddenSize}, ${c.numHeads} heads, FFN ${c.intermediateSize}, ≤ ${c.maxPositions - 2} tokens`;
}

/** The model card shipped beside a pretrained built-in's weights (served from `public/`). */
function modelCardUrl(name: PretrainedModel): string {
  const folder = PRETRAINED_FOLDERS[name];
  return `${import.meta.env.BASE_URL}${folder.path}/${folder.card}`;
}

/**
 * Model: the pretrained built-in (the default), a built-in architecture trained from scratch as a random-init
 * control, or a checkpoint folder (HF safetensors or a saved run).
 */
export function ModelCell() {
  const model = useAppStore((s) => s.model);
  const status = useAppStore((s) => s.modelStatus);
  const refused = useAppStore((s) => s.checkpointRefused);
  const [over, setOver] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <section className="cell" aria-labelledby="model-title" data-testid="model-cell">
      <h2 id="model-title">Model</h2>
      <div className="model-choices">
        {PRETRAINED_MODELS.map((m) => (
          <label key={m} className="choice" data-testid={`model-choice-${m}`}>
            <input type="radio" name="model" value={m} checked={model.kind === 'builtin' && model.config === m} onChange={() => chooseBuiltin(m)} />
            <strong>built-in {m}</strong>{' '}
            <span className="muted">
              (pretrained on openly licensed translations{m === DEFAULT_MODEL_BUILTIN ? '; default' : ''}); its own tokenizer;{' '}
              <a href={modelCardUrl(m)} target="_blank" rel="noopener noreferrer" data-testid={`model-card-${m}`}>
                model card
              </a>
            </span>
          </label>
        ))}
        {BUILTIN_MODELS.map((m) => (
          <label key={m} className="choice" data-testid={`model-choice-${m}`}>
            <input type="radio" name="model" value={m} checked={model.kind === 'builtin' && model.config === m} onChange={() => chooseBuiltin(m)} />
            <strong>{m} — random init (control)</strong> <span className="muted">{describe(m)}; tokenizer trained on the training texts; seeded random init</span>
          </label>
        ))}
        <div
          className={`dropzone${over ? ' over' : ''}${model.kind === 'checkpoint' ? ' chosen' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={(e) => {
            e.preventDefault();
            setOver(false);
            void droppedFiles(e).then(importCheckpoint);
          }}
          data-testid="checkpoint-dropzone"
        >
          <strong>checkpoint folder</strong> — drop a folder (config.json + model.safetensors + tokenizer.json) or a run's checkpoint .zip here, or{' '}
          <label className="link">
            pick a folder
            <input type="file" hidden {...{ webkitdirectory: '' }} onChange={pickCheckpoint} />
          </label>{' '}
          /{' '}
          <label className="link">
            a .zip
            <input type="file" hidden accept=".zip,application/zip" data-testid="checkpoint-zip-input" onChange={pickCheckpoint} />
          </label>
          {model.kind === 'checkpoint' && (
            <div className="muted">
              using <code>{model.name}</code> ({model.files.length} files, {(model.files.reduce((a, f) => a + f.bytes, 0) / 1e6).toFixed(1)} MB)
            </div>
          )}
        </div>
      </div>
      <div className="form-row">
        <span className="status" data-testid="model-status" data-state={status.state}>
          {status.state === 'loading' && status.message}
          {status.state === 'ready' && status.summary}
          {status.state === 'failed' && <span className="error">{status.message}</span>}
        </span>
        {model.kind === 'checkpoint' && (
          <button
            type="button"
            data-testid="evaluate-checkpoint"
            disabled={status.state === 'loading'}
            onClick={() => {
              setError(null);
              evaluateImportedCheckpoint().catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
            }}
          >
            Evaluate on the evaluation data
          </button>
        )}
        {error && <span className="error">{error}</span>}
      </div>
      {refused && (
        <p className="error" role="alert" data-testid="checkpoint-refused">
          {refused}
        </p>
      )}
    </section>
  );
}
