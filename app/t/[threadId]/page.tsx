import { AppShell } from '@/components/app-shell';

export default async function ThreadPage({ params }: { params: Promise<{ threadId: string }> }) {
  const { threadId } = await params;
  return <AppShell threadId={threadId} />;
}
