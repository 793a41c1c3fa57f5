export function Placeholder({ title, text }: { title: string; text: string }) {
  return (
    <section class="card">
      <h1>{title}</h1>
      <p>{text}</p>
    </section>
  );
}
