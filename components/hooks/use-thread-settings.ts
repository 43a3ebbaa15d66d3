'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../trpc';

/** The thread's model, approval policy and sandbox mode, stored on the server with the thread. */
export function useThreadSettings(threadId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const key = trpc.threadSettings.read.queryKey({ threadId });
  const settings = useQuery(trpc.threadSettings.read.queryOptions({ threadId }, { staleTime: 60_000 }));
  const update = useMutation(
    trpc.threadSettings.update.mutationOptions({
      onSuccess: (data) => queryClient.setQueryData(key, data),
    }),
  );
  return { settings: settings.data ?? null, error: settings.error ?? update.error, saving: update.isPending, update: update.mutate };
}
