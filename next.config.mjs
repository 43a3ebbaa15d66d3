/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The custom server (server/main.ts) owns the backend; Next only renders the UI.
  typescript: { ignoreBuildErrors: false },
};

export default nextConfig;
