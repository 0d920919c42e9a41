// Middleware router: `sip.use('INVITE', auth, normalise, app)`. Handlers run in order; a handler that does not
// call `next()` owns the request. Falling off the end answers 405 (known method) or 501.
import type { ServerRequest } from './server-request.ts';

export type Next = () => Promise<void>;
export type Handler = (req: ServerRequest, next: Next) => void | Promise<void>;

interface Layer {
  method: string | undefined;
  handler: Handler;
}

export class Router {
  private readonly layers: Layer[] = [];

  /** `use(handler)` for every method, or `use('INVITE', h1, h2)` for one. */
  use(methodOrHandler: string | Handler, ...handlers: Handler[]): this {
    if (typeof methodOrHandler === 'function') {
      this.layers.push({ method: undefined, handler: methodOrHandler });
      for (const h of handlers) this.layers.push({ method: undefined, handler: h });
    } else {
      const method = methodOrHandler.toUpperCase();
      for (const h of handlers) this.layers.push({ method, handler: h });
    }
    return this;
  }

  /** Methods some handler was registered for (for Allow headers). */
  get methods(): string[] {
    const out = new Set<string>();
    for (const l of this.layers) if (l.method) out.add(l.method);
    return [...out];
  }

  /** Runs the chain; resolves true when some handler kept the request, false when it fell off the end. */
  async dispatch(req: ServerRequest): Promise<boolean> {
    const method = req.method;
    let index = 0;
    let handled = true;
    const next: Next = async () => {
      while (index < this.layers.length) {
        const layer = this.layers[index++]!;
        if (layer.method !== undefined && layer.method !== method) continue;
        await layer.handler(req, next);
        return;
      }
      handled = false;
    };
    await next();
    return handled;
  }
}
