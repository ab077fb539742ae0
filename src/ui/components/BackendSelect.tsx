/**
 * The backend picker: the page-wide one in the header and the run form's one offer the same choices,
 * `auto` first, then each backend alone.
 */
import { BACKEND_PREFERENCES, isBackendPreference, type BackendPreference } from '../../core/model/backendNames';

/**
 * A `<select>` of the backend preferences captioned "backend".
 * @param label the select's accessible name (the e2e tests find it by it)
 * @param className of the `<label>` around it (the run form's `field`)
 */
export function BackendSelect({ label, className, value, onChange }: { label: string; className?: string; value: BackendPreference; onChange: (preference: BackendPreference) => void }) {
  return (
    <label className={className}>
      <span>backend</span>{' '}
      <select aria-label={label} value={value} onChange={(e) => isBackendPreference(e.target.value) && onChange(e.target.value)}>
        {BACKEND_PREFERENCES.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
    </label>
  );
}
