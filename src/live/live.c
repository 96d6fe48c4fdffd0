typedef int bc_empty_tu;
