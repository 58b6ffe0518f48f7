/** The site's theme: VitePress's default theme and the components the lesson pages use (lessons.ts inserts them). */
import DefaultTheme from 'vitepress/theme-without-fonts';
import type { Theme } from 'vitepress';
import FlowDiagram from './FlowDiagram.vue';
import KataFigures from './KataFigures.vue';
import LiveExperiment from './LiveExperiment.vue';
import './custom.css';

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('FlowDiagram', FlowDiagram);
    app.component('KataFigures', KataFigures);
    app.component('LiveExperiment', LiveExperiment);
  },
} satisfies Theme;
