import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * A secret the API returns once (a new token's value, an invitation code). It lives only in this
 * component's state: leaving the page or reloading drops it, and the API never returns it again.
 */
export function SecretReveal({
  label,
  value,
  reminder,
  onDone,
}: {
  label: string;
  value: string;
  reminder: string;
  onDone?: () => void;
}) {
  const [copied, setCopied] = useState<string>();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('Copied to the clipboard.');
    } catch {
      setCopied('Copying was not allowed: select the value and copy it yourself.');
    }
  };
  return (
    <section class="secret" aria-labelledby="secret-heading">
      <h2 id="secret-heading" ref={heading} tabIndex={-1}>
        {label}
      </h2>
      <p class="reminder">{reminder}</p>
      <div class="secret-value">
        <label for="secret-value">
          <strong>Value</strong>
        </label>
        <input
          id="secret-value"
          readOnly
          value={value}
          onFocus={(e) => e.currentTarget.select()}
          spellcheck={false}
        />
        <button type="button" onClick={copy}>
          Copy
        </button>
      </div>
      <p role="status" class="status-message">
        {copied ?? ''}
      </p>
      {onDone !== undefined && (
        <button type="button" onClick={onDone}>
          Done
        </button>
      )}
    </section>
  );
}
