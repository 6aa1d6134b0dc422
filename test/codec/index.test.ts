import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as codec from '../../lib/codec/index.js';

describe('codec barrel', () => {
  it('codec barrel - exports the contract names', () => {
    const names = [
      'Message',
      'MessageType',
      'LineParser',
      'formatMessage',
      'escapeArgument',
      'unescapeArgument',
      'getType',
      'registerType',
      'encodeValue',
      'decodeValue',
      'encodeArgument',
      'discreteType',
      'formatFloat',
      'Address',
      'ProtocolFlags',
      'LogLevel',
    ];
    for (const name of names) assert.notEqual((codec as Record<string, unknown>)[name], undefined, name);
  });

  it('codec barrel - the pieces work together', () => {
    const msg = codec.Message.request('echo', new codec.Address('127.0.0.1', 7147), 1.5, 'x y');
    const [parsed] = new codec.LineParser().feed(codec.formatMessage(msg));
    assert.ok(parsed instanceof codec.Message);
    assert.equal(parsed.toString(), '?echo 127.0.0.1:7147 1.5 x\\_y');
    assert.equal(codec.decodeValue('float', parsed.arguments[1]!), 1.5);
  });
});
