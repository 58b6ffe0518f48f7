// The theme's single-file components, for the type check of docs/.vitepress (tsconfig.json includes it):
// Vue compiles them; TypeScript sees each as a component.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent;
  export default component;
}
