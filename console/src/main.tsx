import { render } from 'preact';
import { App, startConsole } from './ui/app';

render(<App phases={startConsole()} />, document.getElementById('app')!);
