import { characterCount } from '../lib/errors.js';

export default function CharacterCounter({ text, max }) {
  const remaining = max - characterCount(text);
  return (
    <span className={remaining < 0 ? 'counter counter-over' : 'counter'} data-testid="counter" aria-live="polite">
      {remaining}
    </span>
  );
}
