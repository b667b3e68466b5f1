<?php
namespace Acme\Util;
function id($x) { return $x; }
