/** Control and bidi characters from clients are shown on the page as marks, never applied. */
import { visible } from '../../src/dashboard/page/visible-text';

it('shows ANSI escapes, CR, LF and other C0 controls as control pictures', () => {
  expect(visible('\u001b[31mred\u001b[0m')).toBe('␛[31mred␛[0m');
  expect(visible('line\r\nforged')).toBe('line␍␊forged');
  expect(visible('\u0000\u0007\t\u007f')).toBe('␀␇␉␡');
});

it('shows bidi overrides, isolates, marks and invisible characters as their code points', () => {
  expect(visible('Ada \u202Eecalp\u202C')).toBe('Ada ⟨U+202E⟩ecalp⟨U+202C⟩');
  expect(visible('\u2066x\u2069\u200F\u200B\uFEFF\u0085\u2028')).toBe('⟨U+2066⟩x⟨U+2069⟩⟨U+200F⟩⟨U+200B⟩⟨U+FEFF⟩⟨U+0085⟩⟨U+2028⟩');
  expect(visible('tag\u{E0041}')).toBe('tag⟨U+E0041⟩');
});

it('leaves ordinary text alone, in any script', () => {
  for (const text of ['Ada Lovelace', '12 Analytical Way', 'Zoë Ørsted', 'محمد', '山田太郎', '👩‍💻 emoji with a joiner', '']) {
    expect(visible(text)).toBe(text);
  }
});
