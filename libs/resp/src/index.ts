// Redis protocol (RESP2/RESP3) codec: requests parsed from bytes, replies encoded to bytes. No I/O.
export * from './resp-parser.js';
export * from './reply-writer.js';
export * from './error-code.js';
