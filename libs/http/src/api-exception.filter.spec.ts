import { createServer } from 'node:net';
import { Controller, Module, type ArgumentsHost } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { ClientProxyFactory, MessagePattern, RpcException, Transport } from '@nestjs/microservices';
import { firstValueFrom, isObservable, timeout, type Observable } from 'rxjs';
import { ApiError } from './api-error.js';
import { ApiExceptionFilter } from './api-exception.filter.js';

// A peer handler's failure must reach the calling peer as an answer: the
// caller tells a 503 (nothing changed) from an unknown outcome by its code.
// Rethrown, the error was only logged and the caller waited for its timeout.

const rpcHost = { getType: () => 'rpc' } as unknown as ArgumentsHost;

describe('ApiExceptionFilter on peer (rpc) handlers', () => {
  const filter = new ApiExceptionFilter();

  it.each([
    [
      'an ApiError with its code',
      new ApiError('UNAVAILABLE', 'the memory (Redis) failed'),
      { status: 'error', message: 'the memory (Redis) failed', code: 'UNAVAILABLE' },
    ],
    ['an RpcException', new RpcException('views differ'), { status: 'error', message: 'views differ' }],
    ['any error', new Error('boom'), { status: 'error', message: 'boom' }],
  ])('answers %s', async (_what, exception, frame) => {
    const answer = filter.catch(exception, rpcHost);
    expect(isObservable(answer)).toBe(true);
    await expect(firstValueFrom(answer as Observable<unknown>)).rejects.toEqual(frame);
  });
});

@Controller()
class FailingPeerHandlers {
  @MessagePattern('test.unavailable')
  unavailable(): never {
    throw new ApiError('UNAVAILABLE', 'the memory (Redis) failed');
  }
}

@Module({ controllers: [FailingPeerHandlers], providers: [{ provide: APP_FILTER, useClass: ApiExceptionFilter }] })
class PeerServerModule {}

describe('ApiExceptionFilter as the app-wide filter of a real TCP peer server', () => {
  it('answers a failing handler at once, with its message and code, instead of leaving the caller to its timeout', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = srv.address() as { port: number };
        srv.close(() => resolve(p));
      });
    });
    const server = await NestFactory.createMicroservice(PeerServerModule, {
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port },
      logger: false,
    });
    await server.listen();
    const client = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port } });
    try {
      const started = performance.now();
      const err = await firstValueFrom(client.send('test.unavailable', {}).pipe(timeout({ first: 3000 }))).catch(
        (e: unknown) => e,
      );
      expect(err).toEqual({ status: 'error', message: 'the memory (Redis) failed', code: 'UNAVAILABLE' });
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
