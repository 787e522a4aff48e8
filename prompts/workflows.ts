import { z } from 'zod';
import { completeStoredIds } from '../src/registry/completion.js';
import { definePrompt } from '../src/registry/prompt.js';
import type { Engines } from '../src/engines/engines.js';

const seriesIds = (prefix: string, engines: Engines) =>
  completeStoredIds(prefix, async (limit, offset) =>
    (await engines.storage.list({ limit, offset })).items.map((s) => ({ id: s.id, createdAt: s.metadata.createdAt })),
  );

const lines = (items: string[]) => items.filter((l) => l !== '').join('\n');

/** The second main workflow: a synthetic copy of real data, judged against it. */
export const synthesizeLikeRealData = definePrompt({
  name: 'synthesize_like_real_data',
  title: 'Make a synthetic copy of real data and judge it',
  description:
    'Guides you from real data (a stored series or a CSV in the import folder) to synthetic look-alikes with synthesize_like, a validation score and plots to show.',
  args: {
    seriesId: z.string().optional().describe('The real data: a stored series id, e.g. "ser_3fA9xQ".'),
    csvPath: z.string().optional().describe('Or a CSV file inside the server\'s import folder, e.g. "plant.csv".'),
    goal: z.string().optional().describe('What the copy is for, e.g. "share with a vendor" or "train a detector".'),
  },
  complete: { seriesId: seriesIds },
  build({ seriesId, csvPath, goal }) {
    const data = seriesId ? { seriesId } : csvPath ? { csvPath } : undefined;
    return [
      {
        role: 'user',
        text: lines([
          `I need a synthetic copy of real IoT data${data ? `: ${JSON.stringify(data)}` : ' (ask me which series or file)'}.`,
          goal ? `It is for: ${goal}.` : '',
          '',
          'Please work through these steps with the tsiot tools:',
          `1. Look at the real data first: analyze_series${seriesId ? ` {"id": ${JSON.stringify(seriesId)}}` : ''} (trend, seasonal periods, anomalies), and plot_series to show it to me.`,
          '2. Choose the generator: leave the default (statistical for one series, mixture for several) unless the analysis calls for another (list_generators says which suits what).',
          `3. Call synthesize_like with ${data ? `{"data": ${JSON.stringify(data)}, "seed": 1, "plots": true}` : '{"data": …, "seed": 1, "plots": true}'}: it fits, samples, validates and returns the report with real-vs-synthetic plots.`,
          '4. Show me the plots, the score and verdict, and a short table of the failed checks with what each means; if privacy checks fail (copies too close to the real rows), say so plainly.',
          '5. If the score is low, try once more with another generator or options and compare the two scores; keep the seed so the result can be reproduced.',
        ]),
      },
    ];
  },
});

/** The third main workflow: a model fitted once and sampled many times. */
export const fitAndSampleModel = definePrompt({
  name: 'fit_and_sample_model',
  title: 'Fit a model on real data and sample from it',
  description:
    'Guides you through fit_model on real data, checking what the model learned, and generating new series from it with generate_from_model.',
  args: {
    seriesId: z.string().describe('The real training data: a stored series id, e.g. "ser_3fA9xQ".'),
    generator: z
      .string()
      .optional()
      .describe('Generator to fit, a name from list_generators (default: chosen from the data).'),
    count: z.string().optional().describe('How many synthetic series to generate afterwards, e.g. "5".'),
  },
  complete: {
    seriesId: seriesIds,
  },
  build({ seriesId, generator, count }) {
    const gen = generator?.trim();
    return [
      {
        role: 'user',
        text: lines([
          `Fit a generative model on the real series ${JSON.stringify(seriesId)} and generate new data from it.`,
          '',
          'Please work through these steps with the tsiot tools:',
          gen
            ? `1. Read describe_generator {"name": ${JSON.stringify(gen)}} for its fit options.`
            : '1. Call list_generators and analyze_series on the data, then pick a generator: statistical for one long seasonal series, arima for linear dynamics, mixture for window-shaped data, dgan for fleets with static attributes.',
          `2. Call fit_model with {"generator": ${gen ? JSON.stringify(gen) : '…'}, "data": {"seriesId": ${JSON.stringify(seriesId)}}, "seed": 1}. If it returns status "training", poll describe_model until it is ready.`,
          '3. Summarise what the model learned from describe_model (periods, orders, constraints, missing-value pattern).',
          `4. Call generate_from_model with the model id, "count": ${count?.trim() || '3'} and a seed, then validate_timeseries {"synthetic": [new ids], "reference": ${JSON.stringify(seriesId)}, "plots": true} and show me the score and plots.`,
          '5. Tell me the model id so I can sample it again later, and the seed of each sample.',
        ]),
      },
    ];
  },
});
