// `wait TXID`: polls the node until the transaction has the confirmations asked for,
// printing progress on stderr; gives up after --max-wait.
import { checkTxid } from '../client.js';
import { WalletError } from '../errors.js';
import { parseIntOpt, type CommandContext } from '../session.js';

export function registerWait(ctx: CommandContext): void {
  const { program, io, session: S } = ctx;
  program
    .command('wait <txid>')
    .description('show progress until the transaction has N confirmations')
    .option('--confirmations <n>', 'confirmations to wait for', '1')
    .option('--interval <seconds>', 'poll interval', '2')
    .option('--max-wait <seconds>', 'give up after this long (default: never)')
    .action(async (txid: string, o) => {
      const s = S();
      const want = parseIntOpt('confirmations', o.confirmations, 1, 1);
      const interval = Number(o.interval);
      if (!Number.isFinite(interval) || interval <= 0) throw new WalletError('bad-input', '--interval must be a positive number of seconds');
      const maxWait = o.maxWait === undefined ? Infinity : Number(o.maxWait) * 1000;
      const client = s.client();
      const id = checkTxid(txid);
      const start = io.now();
      let last = -1;
      for (;;) {
        const st = await client.txStatus(id);
        const conf = st.confirmed && st.block_height !== undefined ? (await client.tipHeight()) - st.block_height + 1 : 0;
        if (conf !== last) {
          if (!s.json) io.err(`${id}: ${conf}/${want} confirmation${want === 1 ? '' : 's'}${conf === 0 ? ' (in mempool)' : ''}\n`);
          last = conf;
        }
        if (conf >= want) {
          s.print(`Confirmed: ${conf} confirmation${conf === 1 ? '' : 's'} (block ${st.block_height})`, { txid: id, confirmations: conf, blockHeight: st.block_height, blockHash: st.block_hash });
          return;
        }
        if (io.now() - start >= maxWait) throw new WalletError('aborted', `gave up after ${o.maxWait} s with ${conf}/${want} confirmations`);
        await io.sleep(interval * 1000);
      }
    });
}
