import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../core/runner/templates';

const sentiment = {
  instruction: 'Classify the sentiment of the review.',
  demonstrations: [
    { input: 'I loved it.', output: 'positive' },
    { input: 'Dreadful.', output: 'negative' },
  ],
  inputLabel: 'Review',
  outputLabel: 'Sentiment',
};

describe('n-shot templates', () => {
  it('renders a few-shot raw prompt ending on the output label', () => {
    const input = renderTemplate(sentiment, { prompt: 'Not bad at all.', messages: null }, 'raw');
    expect(input).toEqual({
      mode: 'raw',
      text:
        'Classify the sentiment of the review.\n\n' +
        'Review: I loved it.\nSentiment: positive\n\n' +
        'Review: Dreadful.\nSentiment: negative\n\n' +
        'Review: Not bad at all.\nSentiment:',
    });
  });

  it('renders zero-shot when there are no demonstrations', () => {
    const input = renderTemplate({ ...sentiment, demonstrations: [] }, { prompt: 'Fine.', messages: null }, 'raw');
    expect(input).toEqual({ mode: 'raw', text: 'Classify the sentiment of the review.\n\nReview: Fine.\nSentiment:' });
  });

  it('turns the instruction into a system message and demonstrations into turns in chat mode', () => {
    const input = renderTemplate(sentiment, { prompt: 'Not bad at all.', messages: null }, 'chat');
    expect(input).toEqual({
      mode: 'chat',
      messages: [
        { role: 'system', content: 'Classify the sentiment of the review.' },
        { role: 'user', content: 'I loved it.' },
        { role: 'assistant', content: 'positive' },
        { role: 'user', content: 'Dreadful.' },
        { role: 'assistant', content: 'negative' },
        { role: 'user', content: 'Not bad at all.' },
      ],
    });
  });

  it("keeps a conversation prompt's own system message after the template's instruction", () => {
    const input = renderTemplate(
      { ...sentiment, demonstrations: [] },
      { prompt: null, messages: [{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: 'Bof.' }] },
      'chat',
    );
    expect(input).toEqual({
      mode: 'chat',
      messages: [
        { role: 'system', content: 'Classify the sentiment of the review.\n\nAnswer in French.' },
        { role: 'user', content: 'Bof.' },
      ],
    });
  });

  it('passes prompts through without a template', () => {
    expect(renderTemplate(null, { prompt: 'The sky is', messages: null }, 'raw')).toEqual({ mode: 'raw', text: 'The sky is' });
    expect(renderTemplate(null, { prompt: 'Hi', messages: null }, 'chat')).toEqual({ mode: 'chat', messages: [{ role: 'user', content: 'Hi' }] });
    expect(renderTemplate(null, { prompt: null, messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }, { role: 'user', content: 'Sum 2+2' }] }, 'raw')).toEqual({
      mode: 'raw',
      text: 'User: Hi\n\nAssistant: Hello\n\nUser: Sum 2+2\n\nAssistant:',
    });
  });
});
