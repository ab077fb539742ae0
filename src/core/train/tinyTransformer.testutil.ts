/**
 * Test support (not a test): the built-in `tiny` Transformer (H 32, 2 layers) with dropout, seeded init,
 * behind the {@link TrainableEncoder} interface, tokenizing with {@link BagOfTokensEncoder}'s hashed words
 * (ids 1…256, 0 pads). For tests that need the real encoder's dropout sites without a trained tokenizer.
 */
import { builtinEncoderConfig } from '../model/builtinConfigs';
import { TransformerEncoder } from '../model/encoder';
import { initEncoderWeights } from '../model/init';
import type { TrainableEncoder } from '../model/types';
import { BagOfTokensEncoder } from './bagOfTokensEncoder.testutil';

export interface TinyTransformer extends TrainableEncoder {
  readonly transformer: TransformerEncoder;
  dispose(): void;
}

/** @param dropout hidden and attention dropout while training */
export function tinyTransformer(seed: number, dropout = 0.1): TinyTransformer {
  const words = new BagOfTokensEncoder({ seed, vocabSize: 257 });
  const config = { ...builtinEncoderConfig('tiny', { vocabSize: 257, padTokenId: 0 }), hiddenDropout: dropout, attentionDropout: dropout };
  // init std 0.02 leaves every embedding nearly equal; 0.3 gives distinct ones and sizeable gradients
  const weights = initEncoderWeights(config, seed);
  for (const [name, t] of weights) if (name.startsWith('embeddings.word_embeddings')) for (let i = 0; i < t.data.length; i++) t.data[i]! *= 15;
  const transformer = new TransformerEncoder({ config, weights, freezeEmbeddings: false });
  return {
    transformer,
    dim: transformer.dim,
    tokenize: (texts, maxLength) => words.tokenize(texts, maxLength),
    embed: (batch, options) => transformer.embed(batch, options),
    trainableVariables: () => transformer.trainableVariables(),
    dispose() {
      words.dispose();
      transformer.dispose();
    },
  };
}
