'use client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, createWSClient, httpBatchLink, splitLink, wsLink } from '@trpc/client';
import { useState, type ReactNode } from 'react';
import type { AppRouter } from '@/server/trpc/router';
import { TRPCProvider } from './trpc';

function makeClient() {
  // Lazy: nothing connects during server rendering; the socket opens with the first subscription.
  const wsClient = createWSClient({
    url: () => `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/api/trpc`,
    retryDelayMs: (attempt) => Math.min(250 * 2 ** attempt, 5000),
    lazy: { enabled: true, closeMs: 0 },
  });
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: wsClient }),
        false: httpBatchLink({ url: '/api/trpc', headers: { 'x-codex-web': '1' } }),
      }),
    ],
  });
}

/** Queries and mutations over HTTP, live events over the WebSocket (docs/architecture.md#layers). */
export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, refetchOnWindowFocus: false } } }));
  const [trpcClient] = useState(makeClient);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
