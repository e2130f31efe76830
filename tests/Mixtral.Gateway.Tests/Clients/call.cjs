// Calls the server with a client nobody in this project wrote, as an application would, and prints what it got as JSON.
// Input (stdin): {"kind", "baseUrl", "model", "prompt" | "messages", "maxTokens", "apiKey"?, "reportErrors"?}.
// With reportErrors, an API error is the answer ({status, type, code}) rather than a failure.
const OpenAI = require('openai');
const { textGeneration, textGenerationStream } = require('@huggingface/inference');

async function main(input) {
  const { kind, baseUrl, model, prompt, messages, maxTokens, apiKey } = input;
  const openai = new OpenAI({ baseURL: baseUrl + '/v1', apiKey: apiKey || 'not-needed', maxRetries: 0 });
  switch (kind) {
    case 'openai-chat': {
      const r = await openai.chat.completions.create({ model, messages, max_tokens: maxTokens, temperature: 0 });
      return { text: r.choices[0].message.content, finish: r.choices[0].finish_reason, completionTokens: r.usage.completion_tokens, object: r.object };
    }
    case 'openai-chat-stream': {
      const stream = await openai.chat.completions.create({ model, messages, max_tokens: maxTokens, temperature: 0, stream: true });
      let text = '', finish = null, chunks = 0;
      for await (const chunk of stream) {
        chunks++;
        const choice = chunk.choices[0];
        if (choice?.delta?.content) text += choice.delta.content;
        if (choice?.finish_reason) finish = choice.finish_reason;
      }
      return { text, finish, chunks };
    }
    case 'openai-completion': {
      const r = await openai.completions.create({ model, prompt, max_tokens: maxTokens, temperature: 0 });
      return { text: r.choices[0].text, finish: r.choices[0].finish_reason, completionTokens: r.usage.completion_tokens };
    }
    case 'openai-chat-logprobs': {
      const r = await openai.chat.completions.create({ model, messages, max_tokens: maxTokens, temperature: 0, logprobs: true, top_logprobs: input.top });
      return { text: r.choices[0].message.content, logprobs: r.choices[0].logprobs.content };
    }
    case 'openai-chat-stream-logprobs': {
      const stream = await openai.chat.completions.create({ model, messages, max_tokens: maxTokens, temperature: 0, logprobs: true, top_logprobs: input.top, stream: true });
      let text = '', logprobs = [];
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        if (choice?.delta?.content) text += choice.delta.content;
        if (choice?.logprobs?.content) logprobs.push(...choice.logprobs.content);
      }
      return { text, logprobs };
    }
    case 'openai-completion-logprobs': {
      const r = await openai.completions.create({ model, prompt, max_tokens: maxTokens, temperature: 0, logprobs: input.top });
      return { text: r.choices[0].text, logprobs: r.choices[0].logprobs };
    }
    case 'hf-generate-logprobs': {
      const r = await textGeneration({ model, endpointUrl: baseUrl, inputs: prompt, parameters: { max_new_tokens: maxTokens, details: true, top_n_tokens: input.top } });
      return { text: r.generated_text, tokens: r.details.tokens, topTokens: r.details.top_tokens };
    }
    case 'openai-models': {
      // list, retrieve the served model, then retrieve one that is not served (the SDK throws its NotFoundError)
      const list = [];
      for await (const m of openai.models.list()) list.push(m.id);
      const one = await openai.models.retrieve(model);
      let missing = null;
      try { await openai.models.retrieve('no-such-model'); } catch (e) { missing = { status: e.status, code: e.code, param: e.param, error: e.constructor.name }; }
      return { list, retrieved: one.id, object: one.object, missing };
    }
    case 'hf-generate': {
      const r = await textGeneration({ model, endpointUrl: baseUrl, inputs: prompt, parameters: { max_new_tokens: maxTokens, details: true } });
      return { text: r.generated_text, finish: r.details.finish_reason, ids: r.details.tokens.map(t => t.id) };
    }
    case 'hf-generate-stream': {
      let text = '', ids = [], final = null;
      for await (const e of textGenerationStream({ model, endpointUrl: baseUrl, inputs: prompt, parameters: { max_new_tokens: maxTokens } })) {
        ids.push(e.token.id);
        text += e.token.text;
        if (e.generated_text !== null) final = e;
      }
      return { text, ids, generatedText: final && final.generated_text, finish: final && final.details.finish_reason };
    }
    default:
      throw new Error('unknown kind ' + kind);
  }
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', d => { input += d; });
process.stdin.on('end', () => {
  main(JSON.parse(input))
    .then(out => process.stdout.write(JSON.stringify(out)))
    .catch(e => {
      if (JSON.parse(input).reportErrors && e && e.status) {
        process.stdout.write(JSON.stringify({ status: e.status, type: e.type, code: e.code, error: e.constructor.name }));
        return;
      }
      process.stderr.write(String(e && e.stack || e)); process.exit(1);
    });
});
