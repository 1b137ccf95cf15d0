import { z } from 'zod';

/**
 * The S3T model family: a frozen backbone (optional conv stem, an input projection, K dense residual blocks),
 * one LoRA adapter on each of the top L blocks, and a head snapshotted per stage.
 */
export const ModelConfigSchema = z
  .object({
    /** Shape of one input sample, e.g. [784] or [28, 28, 1] with a conv stem. */
    inputShape: z.array(z.number().int().positive()).min(1),
    task: z.enum(['classification', 'regression']),
    /** Classes for classification; 1 for regression. */
    outputs: z.number().int().positive(),
    hidden: z.number().int().positive().default(128),
    /** K backbone blocks; at least the number of adapter blocks. */
    blocks: z.number().int().positive(),
    /** L: blocks (counted from the output) that carry a LoRA adapter, one per stage. */
    adapterBlocks: z.number().int().positive(),
    loraRank: z.number().int().positive().default(8),
    /** LoRA scaling α/r. */
    loraScale: z.number().positive().default(1),
    convStem: z.boolean().default(false),
    convFilters: z.number().int().positive().default(8),
    regressionLoss: z.enum(['mse', 'l1']).default('mse'),
    learningRate: z.number().positive().default(0.003),
    batchSize: z.number().int().positive().default(64),
  })
  .strict()
  .refine((c) => c.blocks >= c.adapterBlocks, { message: 'blocks must be >= adapterBlocks (one adapter block per slice)', path: ['blocks'] })
  .refine((c) => !c.convStem || c.inputShape.length === 3, { message: 'a conv stem needs inputShape [height, width, channels]', path: ['inputShape'] })
  .refine((c) => c.task === 'classification' || c.outputs === 1, { message: 'regression has one output', path: ['outputs'] });

export type ModelConfig = z.output<typeof ModelConfigSchema>;
export type ModelConfigInput = z.input<typeof ModelConfigSchema>;

/** Backbone block that stage i (1-based) adapts: the i-th block counted from the output. */
export function blockOfStage(config: Pick<ModelConfig, 'blocks'>, stage: number): number {
  return config.blocks - stage;
}
