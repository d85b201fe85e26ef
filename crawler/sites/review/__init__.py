"""Any review or forum list page, read with the CSS selectors a source configures."""
