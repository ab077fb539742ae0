/**
 * Input prefixes of the shared dual encoder (notes/paper-method.md §1.1: "Following Wang et al. (2022)
 * [E5], we incorporate prefix identifiers "Query:" and "Passage:""). Training and evaluation must use
 * the same strings, so both import them from here.
 */
export const QUERY_PREFIX = 'Query: ';
export const PASSAGE_PREFIX = 'Passage: ';
