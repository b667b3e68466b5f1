Gem::Specification.new do |s|
  s.name = "hello"
  s.version = "0.3.1"
  s.summary = "Greets"
  s.authors = ["imgsize"]
  s.files = ["lib/hello.rb"]
  s.license = "MIT"
  s.add_dependency "greeting", "~> 1.2"
end
