"""Server-rendered pages, one module per group of people who use them."""
