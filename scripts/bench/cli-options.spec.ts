import { InvalidArgumentError } from 'commander';
import { hostPort, nonNegativeInt, positiveInt } from './cli-options.js';

describe('benchmark option parsers', () => {
  it('positiveInt takes whole numbers from 1', () => {
    expect(positiveInt('3')).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'x', '']) expect(() => positiveInt(bad)).toThrow(InvalidArgumentError);
  });

  it('nonNegativeInt also takes 0 (a phase turned off), nothing else', () => {
    expect(nonNegativeInt('0')).toBe(0);
    expect(nonNegativeInt('5')).toBe(5);
    for (const bad of ['-1', '2.5', 'x', '', ' ']) expect(() => nonNegativeInt(bad)).toThrow(InvalidArgumentError);
  });

  it('hostPort needs a port', () => {
    expect(hostPort('127.0.0.1:6390')).toEqual({ host: '127.0.0.1', port: 6390 });
    expect(() => hostPort('127.0.0.1')).toThrow(InvalidArgumentError);
  });
});
