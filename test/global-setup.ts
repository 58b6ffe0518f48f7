/** Prints the one backend line at the start of every test session. */
export default async function setup(): Promise<void> {
  const { backendLine } = await import('../src/lib/tf.js');
  console.log(backendLine());
}
