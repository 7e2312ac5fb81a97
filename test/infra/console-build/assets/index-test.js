// stand-in for the Vite build in template tests
