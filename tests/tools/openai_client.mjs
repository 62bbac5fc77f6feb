// The official openai npm client against `insightv serve` (tests/integration/openai_client_test.cpp).
// usage: node openai_client.mjs NODE_MODULES BASE_URL < image_data_uri
// Prints one JSON object with what each call returned.
import { createRequire } from 'module';
import { readFileSync } from 'fs';

const [nodeModules, baseURL] = process.argv.slice(2);
const require = createRequire(nodeModules + '/');
const mod = require('openai');
const OpenAI = mod.OpenAI ?? mod.default ?? mod;
const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0, timeout: 120000 });
const image = readFileSync(0, 'utf8').trim();
const messages = [{ role: 'user', content: [
  { type: 'image_url', image_url: { url: image } },
  { type: 'text', text: 'How many circles are there?' },
] }];
const out = {};

const models = await client.models.list();
out.models = models.data.map((m) => m.id);

const plain = await client.chat.completions.create({ model: 'insightv', messages, max_tokens: 8, seed: 1 });
out.plain = { content: plain.choices[0].message.content, reasoning: plain.choices[0].message.reasoning_content,
              finish: plain.choices[0].finish_reason, usage: plain.usage };

const stream = await client.chat.completions.create({ model: 'insightv', messages, max_tokens: 8, stream: true });
const order = [];
let reasoning = '', content = '';
for await (const chunk of stream) {
  const d = chunk.choices[0]?.delta ?? {};
  if (d.reasoning_content) { reasoning += d.reasoning_content; if (order.at(-1) !== 'r') order.push('r'); }
  if (d.content) { content += d.content; if (order.at(-1) !== 'c') order.push('c'); }
}
out.stream = { order, reasoning, content };

const many = await client.chat.completions.create({ model: 'insightv', messages, max_tokens: 4, n: 2 });
out.n = many.choices.length;

try {
  await client.chat.completions.create({ model: 'insightv', messages: 'not a list' });
  out.error = { status: 0 };
} catch (e) {
  out.error = { status: e.status, message: e.message };
}
console.log(JSON.stringify(out));
