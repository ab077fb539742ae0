import { describe, expect, it } from 'vitest';
import { joinCldrKeywords, parseCldrAnnotations } from './cldrAnnotations';
import { parseCldrDisplayNames } from './cldrDisplayNames';
import { decodeXmlEntities } from './xmlText';

const ANNOTATIONS = `<?xml version="1.0" encoding="UTF-8" ?>
<ldml><annotations>
  <annotation cp="&amp;">ampersand | and | et</annotation>
  <annotation cp="&amp;" type="tts">ampersand</annotation>
  <annotation cp="😀">face | grin | grinning face</annotation>
  <annotation cp="😀" type="tts">grinning face</annotation>
  <annotation cp="👋🏻" type="tts">waving hand: light skin tone</annotation>
  <annotation cp="x" type="tts">↑↑↑</annotation>
  <annotation cp="y" type="tts" draft="unconfirmed">maybe</annotation>
  <annotation cp="&lt;" type="tts">less-than &amp; co</annotation>
</annotations></ldml>`;

describe('parseCldrAnnotations', () => {
  it('maps decoded cp to the tts name and to keywords', () => {
    const { names, keywords } = parseCldrAnnotations(ANNOTATIONS);
    expect([...names]).toEqual([
      ['&', 'ampersand'],
      ['😀', 'grinning face'],
      ['👋🏻', 'waving hand: light skin tone'],
      ['<', 'less-than & co'],
    ]);
    expect(keywords.get('😀')).toEqual(['face', 'grin', 'grinning face']);
    expect(keywords.get('&')).toEqual(['ampersand', 'and', 'et']);
  });
});

describe('joinCldrKeywords', () => {
  it('joins each keyword list with ", " in file order, one entry per cp, and drops empty lists', () => {
    const { keywords } = parseCldrAnnotations(ANNOTATIONS);
    expect([...joinCldrKeywords(keywords)]).toEqual([
      ['&', 'ampersand, and, et'],
      ['😀', 'face, grin, grinning face'],
    ]);
    expect(joinCldrKeywords(new Map([['x', []]])).size).toBe(0);
  });
});

describe('parseCldrDisplayNames', () => {
  it('keys names by element and identifying attributes, and reads currency names', () => {
    const xml = `<ldml><localeDisplayNames>
      <languages><language type="ar">Arabic</language><language type="ar" alt="short">Ar</language><language type="zz" draft="unconfirmed">Z</language></languages>
      <territories><territory type="DE">Germany</territory></territories>
      <types><type key="calendar" type="gregorian">Gregorian Calendar</type></types>
      </localeDisplayNames>
      <numbers><currencies><currency type="USD">
        <displayName>US Dollar</displayName><displayName count="one">US dollar</displayName><symbol>$</symbol>
      </currency></currencies></numbers></ldml>`;
    expect([...parseCldrDisplayNames(xml)]).toEqual([
      ['language|type=ar', 'Arabic'],
      ['language|type=ar|alt=short', 'Ar'],
      ['territory|type=DE', 'Germany'],
      ['type|key=calendar|type=gregorian', 'Gregorian Calendar'],
      ['currency|type=USD', 'US Dollar'],
    ]);
  });
});

describe('decodeXmlEntities', () => {
  it('decodes named and numeric references and keeps unknown ones', () => {
    expect(decodeXmlEntities('a &amp; b &lt;c&gt; &#233; &#x4E2D; &foo;')).toBe('a & b <c> é 中 &foo;');
  });
});

describe('parseHelpParagraphs', () => {
  it('keys paragraph and heading text by id, dropping inner markup', async () => {
    const { parseHelpParagraphs } = await import('./helpParagraphs');
    const html = `<h1 id="hd_id1" dir="auto">Insert <a href="x.html">Section</a></h1>
      <p id="par_id2" class="paragraph">Choose <span class="menuitem">Insert - Section</span>.</p>
      <p class="paragraph">no id</p><p id="par_id3"> </p><p id="par_id4">A &amp;<br/>B</p>`;
    expect([...parseHelpParagraphs(html)]).toEqual([
      ['hd_id1', 'Insert Section'],
      ['par_id2', 'Choose Insert - Section.'],
      ['par_id4', 'A & B'],
    ]);
  });
});
