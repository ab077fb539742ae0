import { describe, expect, it } from 'vitest';
import { parseFluent, resolveFluentPattern } from './parseFluent';

const FTL = `# This Source Code Form is subject to the terms of the Mozilla Public License, v. 2.0.

### Resource comment
-brand-short-name = Firefox
-brand-full-name = Mozilla { -brand-short-name }
    .gender = masculine
-case-term =
    { $case ->
       *[nom] Nominative
        [gen] Genitive
    }

## Group comment
about = About { -brand-short-name }
    .title = About
    .accesskey = A
multi =
    First line
    second line.

    After a blank line.
only-attrs =
    .label = Label only
tabs-close =
    { $count ->
        [one] Close tab
       *[other] Close { $count } tabs
    }
    .tooltiptext = Close these tabs
download = { $name } from { DATETIME($date) } by { -brand-full-name }
refers = See { about.title }
only-var = { $url }
only-brand = { -brand-short-name }
literal = Press { "{" } to open, { -unknown-term } stays unknown
quoted = Use { "\\u00A0" }here
case = In { -case-term(case: "gen") }
broken = { $x
junk line at column 0
`;

describe('parseFluent', () => {
  const { messages, terms } = parseFluent(FTL);

  it('reads values, attributes and continuation lines, and skips comments and term attributes', () => {
    expect(messages.get('about')).toBe('About { -brand-short-name }');
    expect(messages.get('about.title')).toBe('About');
    expect(messages.get('about.accesskey')).toBe('A');
    expect(messages.get('multi')).toBe('First line\nsecond line.\n\nAfter a blank line.');
    expect(messages.has('only-attrs')).toBe(false);
    expect(messages.get('only-attrs.label')).toBe('Label only');
    expect(messages.get('tabs-close.tooltiptext')).toBe('Close these tabs');
    expect([...terms.keys()]).toEqual(['-brand-short-name', '-brand-full-name', '-case-term']);
    expect([...messages.keys()].some((k) => k.startsWith('-') || k.includes('gender'))).toBe(false);
  });

  it('keeps a select expression whole, with its variant lines', () => {
    expect(messages.get('tabs-close')).toMatch(/^\{ \$count ->\n\[one\] Close tab\n\*\[other\] Close \{ \$count \} tabs\n\}$/);
  });
});

describe('resolveFluentPattern', () => {
  const { messages, terms } = parseFluent(FTL);
  const text = (key: string) => resolveFluentPattern(messages.get(key)!, terms);

  it('replaces terms by their value, recursively, and collapses whitespace', () => {
    expect(text('about')).toBe('About Firefox');
    expect(text('multi')).toBe('First line second line. After a blank line.');
    expect(text('case')).toBe('In Nominative');
  });

  it('takes the default variant of a select expression', () => {
    expect(text('tabs-close')).toBe('Close $count tabs');
  });

  it('turns variables and function calls into $name placeholders', () => {
    expect(text('download')).toBe('$name from $date by Mozilla Firefox');
  });

  it('reads string literals with escapes', () => {
    expect(resolveFluentPattern('Press { "{" } now', terms)).toBe('Press { now');
    expect(text('quoted')).toBe('Use here');
  });

  it('drops patterns that are only placeables, refer to messages or unknown terms, or are broken', () => {
    expect(text('only-var')).toBeNull();
    expect(text('only-brand')).toBeNull();
    expect(text('refers')).toBeNull();
    expect(text('literal')).toBeNull();
    expect(resolveFluentPattern('Open { $x', terms)).toBeNull();
  });
});
