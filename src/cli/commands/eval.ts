import type { Command } from 'commander';
import { evaluateTrec, formatTrecEval, parseQrels, parseRun } from '../../core/metrics/trec';
import { createOutput } from '../output';
import { readTextFile } from '../trecFiles';

/**
 * `xlir eval --qrels QRELS --run RUN [--json]`: trec_eval's map, recip_rank, recall_1, recall_10 and
 * ndcg_cut_10 over the queries of the qrels (semantics in `core/metrics/trec.ts`).
 */
export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('score a TREC run against qrels like trec_eval -c (map, recip_rank, recall_1, recall_10, ndcg_cut_10)')
    .requiredOption('--qrels <file>', 'qrels file: "qid 0 docid rel" per line')
    .requiredOption('--run <file>', 'run file: "qid Q0 docid rank score tag" per line (ranks are re-derived from scores)')
    .action(async (opts: { qrels: string; run: string }, cmd: Command) => {
      const out = createOutput(Boolean(cmd.optsWithGlobals().json));
      const qrels = parseQrels(await readTextFile(opts.qrels, 'qrels'), opts.qrels);
      const run = parseRun(await readTextFile(opts.run, 'run'), opts.run);
      const result = evaluateTrec(qrels, run);
      const json = { num_q: result.num_q, ...result.measures, per_query: Object.fromEntries(result.perQuery) };
      out.result(json, () => formatTrecEval(result));
    });
}
