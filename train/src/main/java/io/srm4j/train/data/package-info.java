/**
 * Training data for supervised fine-tuning: chat conversations ({@link io.srm4j.train.data.ChatExample}, read from
 * JSONL by {@link io.srm4j.train.data.ChatJsonl}) rendered through the model's own chat template and tokenized with
 * a loss mask on the assistant's tokens ({@link io.srm4j.train.data.ChatEncoder}); datasets with truncation/drop
 * accounting ({@link io.srm4j.train.data.SftDataset}); packing into fixed-length rows whose examples restart their
 * positions and attend only to themselves ({@link io.srm4j.train.data.Packer}); and the seeded, resumable epoch
 * order ({@link io.srm4j.train.data.PackedStream}).
 *
 * <pre>{@code
 * ChatEncoder enc = new ChatEncoder(ChatTemplate.fromGguf(md, null), Tokenizer.fromGguf(md), Map.of());
 * SftDataset train = SftDataset.fromExamples(List.of(ChatExample.of(null, "2+3?", "2+3 = 5.", "5")), enc, 512,
 *         SftDataset.Overlong.TRUNCATE);
 * // or, with a tokenizer of your own:
 * SftDataset ids = SftDataset.fromTokenized(List.of(TokenizedExample.promptCompletion(promptIds, answerIds)), 512,
 *         SftDataset.Overlong.DROP);
 * }</pre>
 */
package io.srm4j.train.data;
