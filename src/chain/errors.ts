// Errors of the chain layer that are not consensus rule violations: storage problems,
// unknown parents, duplicates. Rule violations stay RuleError from consensus/.

export type ChainErrorCode =
  | 'db-locked'
  | 'db-corrupt'
  | 'db-foreign'
  | 'db-version'
  | 'duplicate'
  | 'duplicate-invalid'
  | 'prev-blk-not-found'
  | 'bad-prevblk'
  | 'missing-data'
  | 'closed';

export class ChainError extends Error {
  constructor(
    readonly code: ChainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ChainError';
  }
}
