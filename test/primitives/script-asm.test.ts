// scriptToAsm against scripts as Esplora (electrs) shows them, and a property: the text
// assembled back by a separate, naive assembler gives the original bytes.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { bytesToHex, hexToBytes, scriptToAsm } from '../../src/primitives/index.js';

const GENESIS_SCRIPTSIG =
  '04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73';

describe('scriptToAsm renders as electrs does', () => {
  it.each([
    // Bitcoin's genesis coinbase scriptSig, as blockstream.info shows it
    [GENESIS_SCRIPTSIG, 'OP_PUSHBYTES_4 ffff001d OP_PUSHBYTES_1 04 OP_PUSHBYTES_69 5468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73'],
    ['5120' + 'ab'.repeat(32), 'OP_PUSHNUM_1 OP_PUSHBYTES_32 ' + 'ab'.repeat(32)],
    ['0014' + '11'.repeat(20), 'OP_0 OP_PUSHBYTES_20 ' + '11'.repeat(20)],
    ['76a914' + '22'.repeat(20) + '88ac', 'OP_DUP OP_HASH160 OP_PUSHBYTES_20 ' + '22'.repeat(20) + ' OP_EQUALVERIFY OP_CHECKSIG'],
    ['6a0568656c6c6f', 'OP_RETURN OP_PUSHBYTES_5 68656c6c6f'],
    ['6a', 'OP_RETURN'],
    ['', ''],
    ['6a4c03aabbcc', 'OP_RETURN OP_PUSHDATA1 aabbcc'],
    ['4d0200abcd', 'OP_PUSHDATA2 abcd'],
    ['4f5060b1b2b3b9babbfeff', 'OP_PUSHNUM_NEG1 OP_RESERVED OP_PUSHNUM_16 OP_CLTV OP_CSV OP_NOP4 OP_NOP10 OP_CHECKSIGADD OP_RETURN_187 OP_RETURN_254 OP_INVALIDOPCODE'],
    ['0301', 'OP_PUSHBYTES_3 <push past end>'],
    ['4c', '<unexpected end>'],
    ['6a4d01', 'OP_RETURN <unexpected end>'],
  ])('%s', (hex, asm) => {
    expect(scriptToAsm(hexToBytes(hex))).toBe(asm);
  });

  // A naive assembler for the well-formed subset, written apart from the disassembler.
  function assemble(asm: string): string {
    if (asm === '') return '';
    const toks = asm.split(' ');
    let out = '';
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i]!;
      let m: RegExpMatchArray | null;
      if (t === 'OP_0') out += '00';
      else if ((m = /^OP_PUSHBYTES_(\d+)$/.exec(t))) out += Number(m[1]).toString(16).padStart(2, '0') + toks[++i];
      else if (t === 'OP_PUSHDATA1') { const d = toks[++i]!; out += '4c' + (d.length / 2).toString(16).padStart(2, '0') + d; }
      else if (t === 'OP_PUSHDATA2') { const d = toks[++i]!; const n = d.length / 2; out += '4d' + (n & 255).toString(16).padStart(2, '0') + (n >> 8).toString(16).padStart(2, '0') + d; }
      else if ((m = /^OP_PUSHNUM_(\d+)$/.exec(t))) out += (0x50 + Number(m[1])).toString(16);
      else if (t === 'OP_RETURN') out += '6a';
      else if (t === 'OP_CHECKSIG') out += 'ac';
      else throw new Error(`unexpected token ${t}`);
    }
    return out;
  }
  const push = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((d) => {
    const h = bytesToHex(d);
    if (d.length <= 75) return d.length.toString(16).padStart(2, '0') + h;
    if (d.length <= 255) return '4c' + d.length.toString(16).padStart(2, '0') + h;
    return '4d' + (d.length & 255).toString(16).padStart(2, '0') + (d.length >> 8).toString(16).padStart(2, '0') + h;
  });
  const op = fc.oneof(push, fc.constantFrom('00', '51', '60', '6a', 'ac'));
  it('round-trips through an independent assembler', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 8 }), (ops) => {
        const hex = ops.join('');
        expect(assemble(scriptToAsm(hexToBytes(hex)))).toBe(hex);
      }),
    );
  });
});
