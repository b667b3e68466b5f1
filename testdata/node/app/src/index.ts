import ms from "ms";

export function uptime(seconds: number): string {
  return ms(seconds * 1000, { long: true });
}

console.log(`up for ${uptime(90)}`);
