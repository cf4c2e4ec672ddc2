/**
 * Supervised fine-tuning with checkpoints that resume exactly ({@link io.srm4j.train.sft.SftTrainer}), as run by
 * {@code srm4j train sft}.
 *
 * <pre>{@code
 * TransformerModel model = TransformerModel.fromGguf(file);          // or TransformerModel.create(config, seed)
 * SftOptions opts = SftOptions.defaults(512, 4, 1000)                // row length, rows per step, steps
 *         .withLearningRate(3e-4f, 3e-5f, 50).withSeed(1).withSaveEvery(100, 100);
 * SftTrainer trainer = new SftTrainer(model, train, dev, opts, padId);
 * SftTrainer.Result r = trainer.run(dir, new SftTrainer.Listener() {}); // resumes from dir/checkpoint.gguf
 * GgufExport.writer(model, file.metadata(), "name").write(dir.resolve("model.gguf"));
 * }</pre>
 */
package io.srm4j.train.sft;
