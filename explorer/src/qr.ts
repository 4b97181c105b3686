// An address as a QR code (uqr, bundled) drawn as SVG from its module matrix, dark on white
// whatever the page's colour scheme, with a quiet zone, and a copy-to-clipboard button.
// Bech32 addresses are encoded in upper case (BIP173): QR's alphanumeric mode then holds them
// in a smaller code, and wallets read either case.
import { encode } from 'uqr';
import { h, s } from './dom.js';

export function qrSvg(text: string, label: string): SVGElement {
  const qr = encode(text, { ecc: 'M', border: 4 });
  let d = '';
  qr.data.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) d += `M${x} ${y}h1v1h-1z`;
    }),
  );
  return s(
    'svg',
    { viewBox: `0 0 ${qr.size} ${qr.size}`, class: 'qr', role: 'img', 'aria-label': label, 'shape-rendering': 'crispEdges', 'data-testid': 'address-qr' },
    s('rect', { width: qr.size, height: qr.size, fill: '#fff' }),
    s('path', { d, fill: '#000' }),
  );
}

/** Copies text; the Clipboard API needs a secure context (https or localhost), else a selection. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* denied: try the selection way */
  }
  const ta = h('textarea', { readonly: true, style: 'position:fixed;left:-9999px;top:0' });
  ta.value = text;
  document.body.append(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  ta.remove();
  return ok;
}

export function copyButton(text: string, what: string): HTMLButtonElement {
  const btn: HTMLButtonElement = h(
    'button',
    {
      type: 'button',
      class: 'btn small',
      'data-testid': 'copy',
      title: `Copy the ${what}`,
      onclick: async () => {
        const ok = await copyText(text);
        btn.textContent = ok ? 'Copied' : 'Copy failed: select and copy by hand';
        btn.dataset.copied = ok ? 'yes' : 'no';
        setTimeout(() => {
          btn.textContent = 'Copy';
          delete btn.dataset.copied;
        }, 2000);
      },
    },
    'Copy',
  );
  return btn;
}
