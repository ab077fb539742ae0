import ReactMarkdown from 'react-markdown';

/** Renders a note's markdown as React elements; raw HTML in the source is dropped, never injected. */
export function Markdown({ source }: { source: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown skipHtml>{source}</ReactMarkdown>
    </div>
  );
}
