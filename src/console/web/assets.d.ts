// Stylesheets are imported for the bundler (Bun collects them into main.css); they export nothing.
declare module '*.css'
